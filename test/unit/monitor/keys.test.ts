import { describe, expect, it } from 'vitest';
import { applyKey, splitKeys, type KeyFlags } from '../../../src/monitor/ui/keys.js';
import { INITIAL_UI, type UiState } from '../../../src/monitor/ui/MonitorView.js';

const view = { counts: { brokers: 1, topics: 100, groups: 3, requests: 5 }, rows: 40 };

function press(ui: UiState, ...keys: [string, KeyFlags][]): { ui: UiState; effects: string[] } {
  const effects: string[] = [];
  for (const [input, key] of keys) {
    for (const [i, k] of splitKeys(input, key)) {
      const r = applyKey(ui, i, k, view);
      ui = r.ui;
      if (r.effect) effects.push(r.effect);
    }
  }
  return { ui, effects };
}

describe('keys', () => {
  it('splits a chunk of plain characters, keeping escape sequences whole', () => {
    expect(splitKeys('/ab\r', {})).toEqual([
      ['/', {}],
      ['a', {}],
      ['b', {}],
      ['', { return: true }],
    ]);
    expect(splitKeys('\u001b[B', { downArrow: true })).toEqual([['\u001b[B', { downArrow: true }]]);
    expect(splitKeys('s', {})).toEqual([['s', {}]]);
  });

  it('cycles the panels with tab and the arrows', () => {
    expect(press(INITIAL_UI, ['', { tab: true }]).ui.focus).toBe('groups');
    expect(press(INITIAL_UI, ['', { tab: true, shift: true }]).ui.focus).toBe('brokers');
    expect(press(INITIAL_UI, ['', { leftArrow: true }], ['', { leftArrow: true }]).ui.focus).toBe('requests');
  });

  it('moves the selection within the list, a page at a time with PgDn', () => {
    let { ui } = press(
      INITIAL_UI,
      ['', { downArrow: true }],
      ['', { downArrow: true }],
      ['', { upArrow: true }],
    );
    expect(ui.selected.topics).toBe(1);
    ui = press(ui, ['', { pageDown: true }]).ui;
    expect(ui.selected.topics).toBeGreaterThan(10);
    ui = press(ui, ...Array.from({ length: 20 }, (): [string, KeyFlags] => ['', { pageDown: true }])).ui;
    expect(ui.selected.topics).toBe(99);
    const groups = press(
      INITIAL_UI,
      ['', { tab: true }],
      ...Array.from({ length: 9 }, (): [string, KeyFlags] => ['', { downArrow: true }]),
    );
    expect(groups.ui.selected.groups).toBe(2);
  });

  it('edits the filter: typing, backspace, enter keeps it, esc clears it; q and p are text there', () => {
    const typed = press(INITIAL_UI, ['/', {}], ['pqx', {}], ['', { backspace: true }]);
    let ui = typed.ui;
    expect(ui).toMatchObject({ editingFilter: true, filter: 'pq' });
    expect(typed.effects).toEqual([]);
    ui = press(ui, ['', { return: true }]).ui;
    expect(ui).toMatchObject({ editingFilter: false, filter: 'pq' });
    ui = press(ui, ['', { escape: true }]).ui;
    expect(ui.filter).toBe('');
    ui = press(INITIAL_UI, ['/ord', {}], ['', { escape: true }]).ui;
    expect(ui).toMatchObject({ editingFilter: false, filter: '' });
  });

  it('cycles the sort of the focused panel, pauses, resumes and quits', () => {
    const sortedTwice = press(INITIAL_UI, ['s', {}], ['s', {}]).ui;
    expect(sortedTwice.sort).toEqual({ topics: 2, groups: 0, requests: 0 });
    expect(press(INITIAL_UI, ['', { tab: true, shift: true }], ['s', {}]).ui.sort).toEqual(INITIAL_UI.sort);
    const r = press(INITIAL_UI, ['p', {}], ['p', {}], ['q', {}]);
    expect(r.effects).toEqual(['pause', 'resume', 'quit']);
    expect(r.ui.paused).toBe(false);
  });
});
