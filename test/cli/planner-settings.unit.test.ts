import { describe, expect, it } from 'vitest';
import { descriptorRequestSettings, plannerFromDescriptor, samePlanner } from '../../src/cli/planner-descriptor.ts';
import { DEFAULT_LLM_REQUEST_SETTINGS, llmRequestSettings } from '../../src/cli/planner-settings.ts';

describe('LLM request settings', () => {
  it('options over environment over defaults; malformed values name their source', () => {
    expect(llmRequestSettings({}, {})).toEqual(DEFAULT_LLM_REQUEST_SETTINGS);
    expect(llmRequestSettings({}, { ORCHESTRAL_PLANNER_TIMEOUT_MS: '250', ORCHESTRAL_PLANNER_RETRIES: '0' })).toEqual({ timeoutMs: 250, maxRetries: 0 });
    expect(llmRequestSettings({ timeout: '900', retries: '2' }, { ORCHESTRAL_PLANNER_TIMEOUT_MS: '250', ORCHESTRAL_PLANNER_RETRIES: 'x' })).toEqual({ timeoutMs: 900, maxRetries: 2 });
    expect(() => llmRequestSettings({}, { ORCHESTRAL_PLANNER_TIMEOUT_MS: '1e3' })).toThrow(/^ORCHESTRAL_PLANNER_TIMEOUT_MS: .*got '1e3'/);
    expect(() => llmRequestSettings({}, { ORCHESTRAL_PLANNER_RETRIES: '21' })).toThrow(/^ORCHESTRAL_PLANNER_RETRIES: /);
    expect(() => llmRequestSettings({ timeout: '0' }, {})).toThrow(/^--planner-timeout: /);
    try {
      llmRequestSettings({ retries: '-1' }, {});
    } catch (err) {
      expect((err as { code?: string }).code).toBe('USAGE');
    }
  });

  it('a descriptor gives its recorded values, the fallback the rest', () => {
    const fallback = { timeoutMs: 1, maxRetries: 9 };
    expect(descriptorRequestSettings({ kind: 'openai', config: { model: 'm', timeoutMs: 200, maxRetries: 0 } }, fallback)).toEqual({ timeoutMs: 200, maxRetries: 0 });
    expect(descriptorRequestSettings({ kind: 'openai', config: { model: 'm', timeoutMs: -5 } }, fallback)).toEqual(fallback);
    expect(descriptorRequestSettings(undefined, fallback)).toEqual(fallback);
  });

  it('request settings do not make another planner', () => {
    const a = { kind: 'openai', config: { model: 'm', baseURL: 'http://x/v1', workspace: '/w' } };
    expect(samePlanner(a, { kind: 'openai', config: { model: 'm', baseURL: 'http://x/v1', workspace: '/w', timeoutMs: 5, maxRetries: 1, apiKeyEnv: 'OPENAI_API_KEY' } })).toBe(true);
    expect(samePlanner(a, { kind: 'openai', config: { model: 'n', baseURL: 'http://x/v1', workspace: '/w' } })).toBe(false);
  });
});

describe('rebuilding an OpenAI planner from its descriptor', () => {
  const keyError = async (config: Record<string, unknown>, env: Record<string, string>) => {
    const err = await plannerFromDescriptor({ kind: 'openai', config: { model: 'm', ...config } }, 't', env).then(
      () => undefined,
      (e: unknown) => e as { code?: string; message: string },
    );
    return err;
  };

  it('needs OPENAI_API_KEY when the thread was opened with one or plans at api.openai.com', async () => {
    expect(await keyError({ baseURL: 'http://127.0.0.1:9/v1', apiKeyEnv: 'OPENAI_API_KEY' }, { OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' })).toMatchObject({
      code: 'PLANNER_CONFIG',
      message: "thread 't' plans with model m at http://127.0.0.1:9/v1, which needs an API key: OPENAI_API_KEY is not set",
    });
    expect((await keyError({}, { OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' }))?.message).toContain('https://api.openai.com/v1');
    // a keyless local server stays keyless; with the key everything builds
    expect(await keyError({ baseURL: 'http://127.0.0.1:9/v1' }, {})).toBeUndefined();
    expect(await keyError({ apiKeyEnv: 'OPENAI_API_KEY' }, { OPENAI_API_KEY: 'sk-x' })).toBeUndefined();
  });
});
