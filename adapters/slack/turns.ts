/**
 * Turns, one per event-loop iteration, for the work after an ack. A burst of slash commands shares one
 * RealtimeKit answer, so all their replies become ready at the same moment; rendered and sent back to
 * back they would hold the event loop while other commands' requests wait to be read and acked.
 * Taking a turn first lets Node read pending requests (and so ack them) between two replies.
 */
export type TakeTurn = () => Promise<void>;

export function createTurns(): TakeTurn {
  const waiting: (() => void)[] = [];
  let pumping = false;
  const pump = () => {
    const next = waiting.shift();
    if (!next) {
      pumping = false;
      return;
    }
    next();
    // Scheduled from inside the check phase, so it runs on the next iteration, after polling for I/O.
    setImmediate(pump);
  };
  return () =>
    new Promise<void>((resolve) => {
      waiting.push(resolve);
      if (!pumping) {
        pumping = true;
        setImmediate(pump);
      }
    });
}
