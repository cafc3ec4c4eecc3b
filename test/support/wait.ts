// Waits for a condition outside a test body (beforeAll), where expect.poll is not available.
export async function until(
  check: () => Promise<boolean>,
  { timeout = 30_000, interval = 100, what = 'condition' } = {},
): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}
