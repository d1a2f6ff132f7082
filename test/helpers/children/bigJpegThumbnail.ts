// Child of the blow-up suite: makes a thumbnail of a large JPEG and prints its peak memory.
import { thumbnailDataUri } from '../../../src/images/decode';

async function main(): Promise<void> {
  const uri = await thumbnailDataUri(process.argv[2], 64);
  console.log(JSON.stringify({ bytes: uri.length, peakRssMiB: process.resourceUsage().maxRSS / 1024 }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
