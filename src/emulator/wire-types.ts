/** The emulator's livestreams and sessions as the REST API sends them (snake_case). */
export interface WireLivestream {
  id: string;
  name: string | null;
  /** Usually one of LIVE, IDLE, ERRORED, INVOKED; tests may set anything (OFFLINE, WEIRD). */
  status: string;
  disabled: boolean;
  ingest_server: string;
  stream_key: string;
  playback_url: string;
  meeting_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface WireSession {
  id: string;
  livestream_id: string;
  err_message: string | null;
  ingest_seconds: number;
  viewer_seconds: number;
  invoked_time: string | null;
  started_time: string | null;
  stopped_time: string | null;
  created_at: string;
  updated_at: string;
}

export type LivestreamInput = Partial<WireLivestream>;
