/** A hand-built two-session conversation in the per-file LoCoMo shape. */
export function tinyConversation(names: [string, string] = ['Ana', 'Ben']): Record<string, unknown> {
  const [a, b] = names;
  return {
    speaker_a: a,
    speaker_b: b,
    session_1_date_time: '1:56 pm on 8 May, 2023',
    session_1: [
      { speaker: a, dia_id: 'D1:1', text: `Hi ${b}, I adopted a grey cat called Pixel last week.` },
      {
        speaker: b,
        dia_id: 'D1:2',
        text: 'Lovely! I started rowing on the canal.',
        blip_caption: 'a photo of a boat',
      },
    ],
    session_2_date_time: '10:02 am on 20 June, 2023',
    session_2: [
      { speaker: a, dia_id: 'D2:1', text: 'Pixel knocked my violin off the shelf.' },
      { speaker: b, dia_id: 'D2:2', text: 'I won a rowing race on Sunday.' },
    ],
    // Sessions with a time but no turns occur in the released data; they are skipped.
    session_3_date_time: '9:00 am on 1 July, 2023',
    qa: [
      { question: 'What is the name of the cat?', answer: 'Pixel', evidence: ['D1:1'], category: 4 },
      { question: 'What sport and race?', answer: 'rowing', evidence: ['D1:2; D2:2'], category: 1 },
      { question: 'Is Ben a pilot?', adversarial_answer: 'yes', evidence: ['D1:2'], category: 5 },
      { question: 'Missing evidence', answer: 'x', evidence: [], category: 2 },
    ],
  };
}
