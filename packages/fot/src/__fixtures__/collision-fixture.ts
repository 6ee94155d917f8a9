import { seededRandom } from '@loci/core';

/** A turn of the fixture: a value for the memory, with the context it came from. */
export interface FixtureTurn {
  id: string;
  speaker: string;
  text: string;
  context: string;
  at: Date;
}

export interface CollisionFixture {
  /** The conversation the questions are about (context "own"). */
  own: FixtureTurn[];
  /** Turns of other conversations, built to collide with the questions. */
  distractors: FixtureTurn[];
  questions: { query: string; answer: string }[];
}

const topics = [
  'pottery',
  'clay',
  'wheel',
  'marathon',
  'rain',
  'puppy',
  'biscuit',
  'bakery',
  'interview',
  'norway',
  'mountains',
  'cello',
  'treehouse',
  'garden',
  'tomatoes',
  'violin',
  'bicycle',
  'brakes',
  'canal',
  'rowing',
  'sourdough',
  'rosemary',
  'lisbon',
  'mathematics',
  'museum',
  'painting',
  'chess',
  'tournament',
  'camping',
  'lake',
  'guitar',
  'concert',
  'recipe',
  'curry',
  'festival',
  'lantern',
  'kayak',
  'river',
  'novel',
  'library',
];
const fillers = [
  'really',
  'today',
  'honestly',
  'again',
  'finally',
  'maybe',
  'week',
  'later',
  'always',
  'still',
];

/**
 * The distraction fixture: one conversation between two people and `contexts` other conversations
 * on the same topics between other people. Each question names a speaker of the conversation and
 * two topic words of the answer turn; the distractors repeat those topic words with less else
 * around them, so plain dense retrieval ranks them above the answer. What separates the answer is
 * who is talking: the signal crossbatch training learns to weigh.
 */
export function collisionFixture(
  options: { contexts?: number; turns?: number; seed?: number } = {},
): CollisionFixture {
  const random = seededRandom(options.seed ?? 5);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)] as T;
  const contexts = options.contexts ?? 12;
  const turns = options.turns ?? 40;
  const people = (index: number) => [`person${index}a`, `person${index}b`] as const;
  const at = (day: number) => new Date(Date.UTC(2024, 0, 1 + day));
  const sentence = (words: readonly string[]) => `${words.join(' ')}.`;

  const own: FixtureTurn[] = [];
  const questions: CollisionFixture['questions'] = [];
  const [a, b] = people(0);
  for (let t = 0; t < turns; t++) {
    const speaker = t % 2 === 0 ? a : b;
    const listener = t % 2 === 0 ? b : a;
    const pair = [pick(topics), pick(topics)];
    const text = [
      sentence([listener, pick(fillers), pair[0] as string, pick(topics), pick(fillers)]),
      sentence([pick(fillers), pair[1] as string, pick(topics), pick(fillers), pick(topics)]),
    ].join(' ');
    const id = `own-${t}`;
    own.push({ id, speaker, text, context: 'own', at: at(t) });
    questions.push({ query: `what did ${speaker} say about ${pair[0]} and ${pair[1]}`, answer: id });
  }

  const distractors: FixtureTurn[] = [];
  for (let c = 1; c <= contexts; c++) {
    const [x, y] = people(c);
    for (let t = 0; t < turns; t++) {
      const speaker = t % 2 === 0 ? x : y;
      const listener = t % 2 === 0 ? y : x;
      // Every other distractor turn echoes a question's two topic words, tightly.
      const echo = questions[(t * 7 + c * 3) % questions.length]?.query.split(' ').slice(-3) ?? [];
      const words =
        t % 2 === 0
          ? [listener, echo[0] as string, echo[2] as string, pick(fillers)]
          : [listener, pick(fillers), pick(topics), pick(topics), pick(fillers)];
      const text = [sentence(words), sentence([pick(fillers), pick(topics), pick(fillers)])].join(' ');
      distractors.push({ id: `ctx${c}-${t}`, speaker, text, context: `ctx${c}`, at: at(t) });
    }
  }
  return { own, distractors, questions };
}
