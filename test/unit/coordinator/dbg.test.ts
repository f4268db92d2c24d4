import { describe, expect, it, vi } from 'vitest';
import { joinNew, openHarness, tempDataDir } from '/work/main/test/unit/coordinator/group/harness.js';
describe('dbg', () => {
  it('delay', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const h = openHarness(tempDataDir(), { initialRebalanceDelayMs: 3000 });
    h.createTopic('orders', 6);
    console.log('a');
    const a = await joinNew(h.coordinator, 'g');
    console.log('b');
    await vi.advanceTimersByTimeAsync(2000);
    console.log('c');
    const b = await joinNew(h.coordinator, 'g');
    console.log('d');
    await vi.advanceTimersByTimeAsync(3000);
    console.log('e', h.coordinator.describeGroup('g').groupState);
    const [ra, rb] = await Promise.all([a, b]);
    console.log(ra.generationId, rb.generationId);
    h.close();
  }, 5000);
});
