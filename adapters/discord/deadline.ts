/**
 * Discord's 3 s for the first answer to an interaction, as this process spends it. The time is counted
 * from the interaction's arrival (dispatch.ts), not from when its command starts: the claim of the
 * interaction id and a Stop click's once-only guard may each be a database round trip (a pool wait, a
 * slow PostgreSQL), and they spend the same budget (`deferAfterMs`, 1.5 s) as the core's answer. Once it
 * is spent, the first answer goes out at once (a deferral, or "did not work" while the claim is still
 * out), leaving the other half of the 3 s for that answer to reach Discord.
 */

/** How long the first answer may wait for the work it needs: half of Discord's 3 s. */
export const DEFAULT_DEFER_AFTER_MS = 1_500;

export interface AnswerDeadline {
  /** Milliseconds left of the budget; 0 once it is spent. */
  left(): number;
}

/** A budget of `budgetMs` from now, on the monotonic clock (a wall clock step does not move it). */
export function answerDeadline(budgetMs: number): AnswerDeadline {
  const end = performance.now() + budgetMs;
  return { left: () => Math.max(0, end - performance.now()) };
}

/**
 * What `work` resolves to, or 'late' when it has not settled before the deadline (at once when the
 * budget is spent). A rejection before then is thrown. Late work goes on: the caller decides what
 * becomes of its outcome.
 */
export async function beforeDeadline<T>(work: Promise<T>, deadline: AnswerDeadline): Promise<T | 'late'> {
  const ms = deadline.left();
  if (ms <= 0) return 'late';
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
