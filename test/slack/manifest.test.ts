/**
 * manifest.yml against the code: the command the adapter registers, the usage hint from the grammar,
 * and exactly the bot scopes that the Web API methods the adapter really calls need.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOT_SCOPES, INTERACTIVITY, SLASH_COMMAND, usageHint } from '../../adapters/slack/manifest.js';
import { reply } from '../../src/reply.js';
import { type SlackHarness, startSlackHarness } from '../fakes/slack-harness.js';
import { parseYaml, type YamlValue } from '../fakes/slack-yaml.js';

type Node = Record<string, YamlValue>;
const manifest = parseYaml(readFileSync(new URL('../../manifest.yml', import.meta.url), 'utf8')) as Node;
const at = (path: string): YamlValue =>
  path.split('.').reduce<YamlValue>((node, key) => (node as Node | null)?.[key] ?? null, manifest);

/** The bot scope each Web API method needs (docs.slack.dev/reference/methods); null: none. */
const METHOD_SCOPES: Record<string, string | null> = {
  'auth.test': null,
  'chat.postMessage': 'chat:write',
  'chat.update': 'chat:write',
  // files.uploadV2's first and last steps (the bytes go to the URL the first one hands out).
  'files.getUploadURLExternal': 'files:write',
  'files.completeUploadExternal': 'files:write',
};

describe('manifest.yml', () => {
  it('declares the one slash command the adapter registers, with the grammar as usage hint', () => {
    const commands = at('features.slash_commands') as Node[];
    expect(commands).toHaveLength(1);
    const [command] = commands;
    expect(command?.command).toBe(SLASH_COMMAND);
    expect(command?.usage_hint).toBe(usageHint());
    expect(command?.should_escape).toBe(false);
    expect(String(command?.description).length).toBeGreaterThan(0);
    expect(String(command?.description).length).toBeLessThanOrEqual(2000);
    expect(String(command?.usage_hint).length).toBeLessThanOrEqual(1000);
    // Socket Mode: Slack needs no request URL.
    expect(command?.url).toBeUndefined();
  });

  it('asks for exactly the bot scopes in BOT_SCOPES', () => {
    expect([...(at('oauth_config.scopes.bot') as string[])].sort()).toEqual([...BOT_SCOPES].sort());
    expect(at('oauth_config.scopes.user')).toBeNull();
  });

  it('turns Socket Mode and interactivity (buttons) on, and everything unused off', () => {
    expect(at('settings.socket_mode_enabled')).toBe(true);
    expect(at('settings.org_deploy_enabled')).toBe(false);
    expect(at('settings.interactivity.is_enabled')).toBe(INTERACTIVITY);
    expect(INTERACTIVITY).toBe(true);
    // Socket Mode: clicks come over the socket, so no request URL (HTTP mode adds /slack/events).
    expect(at('settings.interactivity.request_url')).toBeNull();
    expect(at('settings.event_subscriptions')).toBeNull();
  });

  it('stays within what Slack accepts on import', () => {
    expect(String(at('display_information.name')).length).toBeLessThanOrEqual(35);
    expect(String(at('display_information.description')).length).toBeLessThanOrEqual(140);
    expect(String(at('features.bot_user.display_name'))).toMatch(/^[a-z0-9._-]{1,80}$/);
    expect(SLASH_COMMAND.length).toBeLessThanOrEqual(32);
  });
});

describe('the scopes are the ones the code uses', () => {
  let h: SlackHarness;
  beforeAll(async () => {
    h = await startSlackHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('every Web API method called (start, command, button click, notification post and edit, a chart) is covered, and nothing more', async () => {
    const sent = await h.command('help');
    await h.responses.next(sent.id);
    // stats shares its chart in the channel as a file.
    const livestream = h.emulator.addLivestream({ status: 'IDLE' });
    const hourAgo = Date.now() - 3_600_000;
    h.emulator.addPastSession(livestream.id, {
      startedAt: new Date(hourAgo - 3_600_000).toISOString(),
      stoppedAt: new Date(hourAgo).toISOString(),
      ingestSeconds: 3600,
      viewerSeconds: 7200,
    });
    await h.command('stats 2');
    await h.webApi.waitForCall('files.completeUploadExternal');
    // A click is answered through its response_url, which needs no scope either.
    const clicked = await h.click({ action_id: 'livestream:1', value: 'v1:p:list --page 1' });
    await h.responses.next(clicked.id);
    const posted = await h.adapter.sink.post('C0NOTIFY', reply({ title: 'LIVE', visibility: 'channel' }));
    await h.adapter.sink.edit('C0NOTIFY', posted.messageId, reply({ title: 'ended', visibility: 'channel' }));

    const methods = [...new Set(h.webApi.calls.map((call) => call.method))].sort();
    for (const method of methods) expect(Object.keys(METHOD_SCOPES), `scope of ${method}`).toContain(method);
    const needed = new Set(
      methods.map((method) => METHOD_SCOPES[method]).filter((s): s is string => Boolean(s)),
    );
    // The slash command is the `commands` scope; respond() needs none (it posts to the response_url).
    needed.add('commands');
    expect([...needed].sort()).toEqual([...(at('oauth_config.scopes.bot') as string[])].sort());
  });
});
