// Prompt recipes of docs/methods.md ("Descriptors from an LLM"). Each recipe turns one class into
// the exact user messages sent to a chat model; the texts are part of the cache key and are
// recorded in the output, so changing a character here re-asks the model.

export const RECIPES = ['medical', 'dclip', 'cupl'] as const;
export type RecipeName = (typeof RECIPES)[number];

export interface ClassPrompt {
  /** The exact user message. */
  text: string;
  /** Lines of the question a model may echo back; the parser drops them. */
  echoes: string[];
}

export interface Recipe {
  /** `medical`, `dclip`, `cupl`, or `custom`. */
  name: RecipeName | 'custom';
  needsModality: boolean;
  /** Descriptor-set template for what this recipe returns (undefined = Menon & Vondrick rule). */
  template?: string;
  prompts(className: string, modality: string | undefined): ClassPrompt[];
}

// Menon & Vondrick's prompt was a two-shot completion; this is its shape with examples of our
// own, sent as one user message. The open "-" at the end invites a bulleted list, which is why
// the first line of a reply may come back without its bullet.
const DCLIP_EXAMPLES = `Q: What are useful visual features for distinguishing a lighthouse in a photo?
A: There are several useful visual features to tell there is a lighthouse in a photo:
- tall, narrow cylindrical tower
- lantern room with large windows at the top
- white walls, often with red or black bands
- railed gallery around the top
- standing on a rocky coast or a headland
- small keeper's house at the base

Q: What are useful visual features for distinguishing a bicycle in a photo?
A: There are several useful visual features to tell there is a bicycle in a photo:
- two spoked wheels of the same size
- thin metal frame shaped like a diamond
- handlebars above the front wheel
- chain running from the pedals to the rear wheel
- narrow saddle
- rubber tyres`;

const MEDICAL_INSTRUCTION = `List the visual findings a radiologist sees in the image, one short finding per line, each starting with "- ". Describe only what is visible (shape, size, density, position, borders); never put the name of the diagnosis inside a finding.`;

const MEDICAL_EXAMPLES = `Q: What are useful visual features for distinguishing cardiomegaly in a chest X-ray image?
A: There are several useful visual features to tell there is cardiomegaly in a chest X-ray image:
- enlarged heart shadow
- cardiothoracic ratio above one half
- left heart border reaching towards the lateral chest wall
- rounded, uplifted cardiac apex
- widened cardiac silhouette on a frontal view

Q: What are useful visual features for distinguishing pneumothorax in a chest X-ray image?
A: There are several useful visual features to tell there is pneumothorax in a chest X-ray image:
- thin white visceral pleural line
- no lung markings beyond the pleural line
- dark, hyperlucent rim at the apex or the lateral chest
- deep costophrenic sulcus on a supine film
- mediastinum shifted away from the affected side`;

function questionAndLead(question: string, lead: string): ClassPrompt['echoes'] {
  return [question, lead];
}

const dclip: Recipe = {
  name: 'dclip',
  needsModality: false,
  prompts(c) {
    const q = `Q: What are useful visual features for distinguishing a ${c} in a photo?`;
    const a = `A: There are several useful visual features to tell there is a ${c} in a photo:`;
    return [{ text: `${DCLIP_EXAMPLES}\n\n${q}\n${a}\n-`, echoes: questionAndLead(q, a) }];
  },
};

const medical: Recipe = {
  name: 'medical',
  needsModality: true,
  prompts(c, modality) {
    const q = `Q: What are useful visual features for distinguishing ${c} in a ${modality} image?`;
    const a = `A: There are several useful visual features to tell there is ${c} in a ${modality} image:`;
    return [{ text: `${MEDICAL_INSTRUCTION}\n\n${MEDICAL_EXAMPLES}\n\n${q}\n${a}\n-`, echoes: questionAndLead(q, a) }];
  },
};

// CuPL (Pratt et al.) asks open questions and uses each answer whole as a prompt, so the
// descriptor set it yields is scored with the sentence as it is (template "{descriptor}").
const CUPL_QUESTIONS = [
  'Describe what {class} looks like on a {modality}.',
  'How can you identify {class} on a {modality}?',
  'What does {class} look like on a {modality}?',
  'Describe a {modality} that shows {class}.',
  'What are the visible signs of {class} on a {modality}?',
];
const CUPL_INSTRUCTION = 'Answer in one sentence.';

const cupl: Recipe = {
  name: 'cupl',
  needsModality: true,
  template: '{descriptor}',
  prompts(c, modality) {
    return CUPL_QUESTIONS.map((q) => {
      const question = fill(q, c, modality);
      return { text: `${question} ${CUPL_INSTRUCTION}`, echoes: [question] };
    });
  },
};

function customRecipe(text: string): Recipe {
  return {
    name: 'custom',
    needsModality: text.includes('{modality}'),
    prompts(c, modality) {
      const filled = fill(text, c, modality);
      return [{ text: filled, echoes: filled.split('\n') }];
    },
  };
}

function fill(template: string, className: string, modality: string | undefined): string {
  return template
    .split('{class}')
    .join(className)
    .split('{modality}')
    .join(modality ?? '');
}

/** A recipe by name, or custom text when `prompt` is not one of the names. */
export function recipeFor(prompt: string | undefined): Recipe {
  switch (prompt ?? 'medical') {
    case 'medical':
      return medical;
    case 'dclip':
      return dclip;
    case 'cupl':
      return cupl;
    default:
      return customRecipe(prompt as string);
  }
}
