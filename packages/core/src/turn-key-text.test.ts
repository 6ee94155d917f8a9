import { expect, it } from 'vitest';
import { turnKeyText } from './turn-key-text.js';

it('keys a turn by its speaker and text (the format trained SideNet weights were fitted on)', () => {
  expect(turnKeyText({ speaker: 'Caroline', text: 'I went hiking.' })).toBe('Caroline: I went hiking.');
});
