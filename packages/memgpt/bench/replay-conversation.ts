import { seededRandom } from '@loci/core';

const people = [
  'Lena',
  'Marco',
  'Aiko',
  'Tomas',
  'Priya',
  'Jonah',
  'Sofia',
  'Kwame',
  'Ingrid',
  'Ravi',
  'Elif',
  'Mateo',
];
const places = [
  'Porto',
  'Kyoto',
  'the lake house',
  'Nairobi',
  'the old bakery',
  'Tromsø',
  'the climbing gym',
  'Lisbon',
  'the night market',
  'Montreal',
  'the library',
  'Valparaíso',
];
const activities = [
  'learned to bake sourdough',
  'fixed a broken bicycle',
  'painted a mural',
  'ran a half marathon',
  'adopted a grey kitten',
  'planted tomatoes',
  'played cello in a quartet',
  'built a wooden canoe',
  'started a podcast',
  'tried ice swimming',
  'translated a poem',
  'repaired an old radio',
];
const feelings = [
  'proud',
  'exhausted',
  'nervous',
  'delighted',
  'curious',
  'relieved',
  'homesick',
  'inspired',
];
const details = [
  'it rained the whole afternoon',
  'the neighbours brought soup',
  'we got lost twice',
  'the tickets were half price',
  'my phone died halfway',
  'a stranger lent us a map',
  'the recipe came from my grandmother',
  'it took three attempts',
];

/** A long multi-session conversation: one user's turns, each with its own mix of people, places and events. */
export function generateConversation(options: {
  turns: number;
  sessions: number;
  seed: number;
}): ReplayTurn[] {
  const random = seededRandom(options.seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const perSession = Math.ceil(options.turns / options.sessions);
  const start = Date.UTC(2024, 0, 8, 18, 0, 0);
  return Array.from({ length: options.turns }, (_, index) => {
    const session = Math.floor(index / perSession);
    const at = new Date(start + session * 5 * 86_400_000 + (index % perSession) * 60_000);
    const text = `Turn ${index + 1}: ${pick(people)} and I ${pick(activities)} near ${pick(places)}; I felt ${pick(feelings)} because ${pick(details)}.`;
    return { index, session, at, text };
  });
}

export interface ReplayTurn {
  index: number;
  /** Sessions are five days apart; turns within one a minute apart. */
  session: number;
  at: Date;
  /** "Turn <n>: ..." — the scripted agent reads the number. */
  text: string;
}
