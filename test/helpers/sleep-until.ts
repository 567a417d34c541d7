/** Polls `cond` until it returns a truthy value (which is returned) or `maxMs` passes (then throws). No fixed sleeps in tests. */
export async function sleepUntil<T>(cond: () => T | Promise<T>, maxMs = 10_000, what = 'condition', everyMs = 25): Promise<NonNullable<T>> {
  const deadline = Date.now() + maxMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await cond();
      if (v) return v as NonNullable<T>;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`sleepUntil: ${what} not reached within ${maxMs} ms (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
