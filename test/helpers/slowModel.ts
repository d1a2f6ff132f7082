// The demo model with a vision tower that takes seconds per batch (test/fixtures/make_slow_vision.py):
// what the interrupt tests need where the full-size benchmark model is absent. The text tower,
// tokenizer and preprocessing stay the demo's, so its descriptors score as usual.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const REPO = path.resolve(__dirname, '..', '..');
/** Debian's python with python3-onnx and numpy (CI installs them). */
const PYTHON = '/usr/bin/python3';

/** Whether Debian's python3-onnx is there to build the model; a test without it skips. */
export function canBuildSlowModel(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import onnx, numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Copy the demo model to `dir` with a vision graph of `layers` 1024x1024 layers (about 1.6 GFLOP
 * each per batch of 16 at the demo's 128 px); returns `dir`. `repo` is the checkout (the suite
 * runs from a bundle elsewhere).
 */
export function slowModel(dir: string, layers: number, repo = REPO): string {
  const demo = path.join(repo, 'models', 'demo');
  cpSync(demo, dir, { recursive: true });
  const config = JSON.parse(readFileSync(path.join(demo, 'config.json'), 'utf8'));
  const preprocessor = JSON.parse(readFileSync(path.join(demo, 'preprocessor_config.json'), 'utf8'));
  const script = path.join(repo, 'test', 'fixtures', 'make_slow_vision.py');
  if (!existsSync(script)) throw new Error(`${script} is missing`);
  execFileSync(
    PYTHON,
    [
      script,
      path.join(dir, 'onnx', 'vision_model.onnx'),
      String(preprocessor.crop_size.height),
      String(config.projection_dim),
      String(layers),
    ],
    { stdio: 'pipe' },
  );
  return dir;
}
