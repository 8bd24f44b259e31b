/**
 * The demo's story: one livestream changes at a time, a step apart, so a newcomer at the terminal sees
 * each change on its own (a LIVE post, then that post edited to "ended"; now and then an error)
 * instead of digests of several changes at once. The emulator's random simulation (`startSimulation`)
 * changes every stream each step; it stays for load tests and `npm run emulator`.
 *
 * Each story is two steps: a stream goes LIVE, then the same stream ends (every third one fails
 * instead). Streams that are LIVE when the demo starts stay LIVE, so `list live` always shows some.
 * A stream someone just created (INVOKED) is the next to go live, as if its encoder had connected.
 *
 * A meeting's livestream is the people's, not the story's: one someone started goes LIVE on the next
 * step (as the emulator's own step() would) and stays LIVE, since only `stop` ends it; the story never
 * picks one to end, or it would end a town hall under way and `stop` would find nothing to stop.
 */
import type { Clock } from '../clock.js';

/** What the script needs of the emulator. */
export interface DemoStage {
  /** Every livestream, oldest first. */
  livestreams(): readonly DemoStream[];
  setStatus(id: string, status: string, errMessage?: string): unknown;
}

/** What the story reads of a livestream. */
export interface DemoStream {
  id: string;
  status: string;
  created_at: string;
  /** Set when the livestream is a meeting's (`start <meeting_id>`): the story leaves it to people. */
  meeting_id: string | null;
}

export interface DemoChange {
  id: string;
  status: string;
  errMessage?: string;
}

const DEMO_ERROR = 'Ingest disconnected: encoder stopped sending data';
/** Every this many stories, the stream fails instead of ending. */
const ERROR_EVERY = 3;

/** The story's memory between steps; `next` decides one change (or none) from the streams as they are. */
export class DemoStory {
  /** The stream this story made LIVE, which the next step ends. */
  private current: string | null = null;
  private stories = 0;
  /** When the script last picked each stream (step number), so every stream gets its turn. */
  private readonly lastPicked = new Map<string, number>();
  private steps = 0;

  next(streams: readonly DemoStream[]): DemoChange | null {
    this.steps++;
    // A meeting's livestream someone started connects first; the story's own stream waits a step.
    const started = streams.find((s) => s.meeting_id !== null && s.status === 'INVOKED');
    if (started) return { id: started.id, status: 'LIVE' };
    const current = this.current === null ? undefined : streams.find((s) => s.id === this.current);
    this.current = null;
    if (current?.status === 'LIVE') {
      this.stories++;
      return this.stories % ERROR_EVERY === 0
        ? { id: current.id, status: 'ERRORED', errMessage: DEMO_ERROR }
        : { id: current.id, status: 'IDLE' };
    }
    const next = this.pick(streams);
    if (!next) return null;
    this.current = next.id;
    this.lastPicked.set(next.id, this.steps);
    return { id: next.id, status: 'LIVE' };
  }

  /**
   * The newest INVOKED stream (one someone just created), else the one whose turn is longest ago;
   * never a meeting's.
   */
  private pick<T extends DemoStream>(streams: readonly T[]): T | null {
    const waiting = streams.filter((s) => s.status !== 'LIVE' && s.meeting_id === null);
    const invoked = waiting.filter((s) => s.status === 'INVOKED' && !this.lastPicked.has(s.id));
    if (invoked.length > 0) return invoked.reduce((a, b) => (b.created_at >= a.created_at ? b : a));
    let best: T | null = null;
    for (const stream of waiting) {
      if (best === null || (this.lastPicked.get(stream.id) ?? 0) < (this.lastPicked.get(best.id) ?? 0))
        best = stream;
    }
    return best;
  }
}

export interface DemoScriptOptions {
  stage: DemoStage;
  clock: Pick<Clock, 'sleep'>;
  /** Before the first change: soon enough for a newcomer to see. */
  firstStepMs: number;
  /**
   * The first change also waits for this: the poller's first read (its baseline), which would take a
   * change made before it for the way things were.
   */
  after?: Promise<unknown>;
  /** Between two changes. */
  stepMs: number;
}

export interface DemoScript {
  stop(): Promise<void>;
}

export function startDemoScript(options: DemoScriptOptions): DemoScript {
  const { stage, clock } = options;
  const abort = new AbortController();
  const story = new DemoStory();
  const loop = (async () => {
    // The first wait starts now, whatever the baseline takes.
    let wait: Promise<unknown> = Promise.all([clock.sleep(options.firstStepMs, abort.signal), options.after]);
    for (;;) {
      await wait;
      if (abort.signal.aborted) return;
      const change = story.next(stage.livestreams());
      if (change) stage.setStatus(change.id, change.status, change.errMessage);
      wait = clock.sleep(options.stepMs, abort.signal);
    }
  })();
  return {
    async stop() {
      abort.abort();
      await loop;
    },
  };
}
