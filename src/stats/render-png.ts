/**
 * SVG -> PNG with resvg (@resvg/resvg-js: Rust's resvg, its native part in a per-platform npm package,
 * nothing downloaded at install). Text is drawn with Inter from @expo-google-fonts/inter, loaded from
 * node_modules by path and never from the system, so a chart is the same bytes on every machine.
 *
 * The native module loads on the first chart, not at start: a bot nobody asks for stats never pays for
 * it. resvg-js 2.6 does not tell V8 how much native memory a render holds (about width x height x 4
 * bytes, freed when its wrapper is collected), so a long run of renders with no other JS work can grow
 * the RSS until the next GC; with a bot's ordinary allocation in between, minor GCs keep it flat
 * (bench/chart.ts measures both).
 */
import { createRequire } from 'node:module';
import type * as Resvg from '@resvg/resvg-js';

const require = createRequire(import.meta.url);

/** The family name the SVG asks for; its regular and semi-bold faces. */
export const CHART_FONT_FAMILY = 'Inter';
const FONT_FILES = [
  '@expo-google-fonts/inter/400Regular/Inter_400Regular.ttf',
  '@expo-google-fonts/inter/600SemiBold/Inter_600SemiBold.ttf',
] as const;

type ResvgModule = typeof Resvg;

let loaded: Promise<{ resvg: ResvgModule; fontFiles: string[] }> | null = null;

function load(): Promise<{ resvg: ResvgModule; fontFiles: string[] }> {
  loaded ??= (async () => ({
    resvg: await import('@resvg/resvg-js'),
    fontFiles: FONT_FILES.map((file) => require.resolve(file)),
  }))().catch((error: unknown) => {
    // A failed load (a missing package) is tried again next time rather than remembered.
    loaded = null;
    throw error;
  });
  return loaded;
}

export interface RenderedPng {
  png: Uint8Array;
  width: number;
  height: number;
}

/**
 * The SVG drawn at its own size, as PNG bytes. The drawing runs on libuv's thread pool
 * (`renderAsync`), so commands and acks go on meanwhile; only the PNG encoding is on this thread.
 */
export async function svgToPng(svg: string): Promise<RenderedPng> {
  const { resvg, fontFiles } = await load();
  const image = await resvg.renderAsync(svg, {
    font: { loadSystemFonts: false, fontFiles, defaultFontFamily: CHART_FONT_FAMILY },
    fitTo: { mode: 'original' },
    shapeRendering: 2,
    textRendering: 1,
    // resvg's own warnings would go to stderr past our logger; a failure still rejects.
    logLevel: 'off',
  });
  return { png: image.asPng(), width: image.width, height: image.height };
}
