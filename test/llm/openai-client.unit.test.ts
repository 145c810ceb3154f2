import { afterEach, describe, expect, it, vi } from 'vitest';
import { redactText } from '../../src/core/redact.ts';
import { createOpenAIClient, PLACEHOLDER_API_KEY, resolveOpenAIConfig } from '../../src/llm/openai-client.ts';
import { createOpenAIPlanner } from '../../src/planner/openai-planner.ts';
import { isLlmConfigError } from '../../src/llm/errors.ts';
import { isPlannerConfigError } from '../../src/planner/errors.ts';

function configError(fn: () => unknown, is: (e: unknown) => boolean = isLlmConfigError) {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(is(caught)).toBe(true);
  return caught as Error & { code: string };
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('OpenAI client configuration', () => {
  it('fails clearly with neither a key nor a base URL', () => {
    const err = configError(() => resolveOpenAIConfig({ env: {} }));
    expect(err.code).toBe('LLM_CONFIG');
    expect(err.message).toContain('OPENAI_API_KEY');
    expect(err.message).toContain('OPENAI_BASE_URL');
    configError(() => createOpenAIClient({ env: { OPENAI_API_KEY: '  ' } }));
    vi.stubEnv('OPENAI_API_KEY', '');
    vi.stubEnv('OPENAI_BASE_URL', '');
    configError(() => createOpenAIPlanner({ model: 'm' }));
  });

  it('takes options before the environment, and a placeholder key for a bare base URL', () => {
    expect(resolveOpenAIConfig({ env: { OPENAI_API_KEY: 'sk-env', OPENAI_BASE_URL: 'http://env/v1' } })).toEqual({ apiKey: 'sk-env', baseURL: 'http://env/v1' });
    expect(resolveOpenAIConfig({ apiKey: 'sk-opt', env: { OPENAI_API_KEY: 'sk-env' } })).toEqual({ apiKey: 'sk-opt', baseURL: undefined });
    expect(resolveOpenAIConfig({ baseURL: 'http://127.0.0.1:11434/v1', env: {} })).toEqual({ apiKey: PLACEHOLDER_API_KEY, baseURL: 'http://127.0.0.1:11434/v1' });
  });

  it('refuses bad numeric options', () => {
    configError(() => createOpenAIClient({ apiKey: 'k', timeoutMs: 0 }));
    configError(() => createOpenAIClient({ apiKey: 'k', maxRetries: -1 }));
    configError(() => createOpenAIPlanner({ model: 'm', apiKey: 'k', maxRepairs: 1.5 }), isPlannerConfigError);
    configError(() => createOpenAIPlanner({ model: ' ', apiKey: 'k' }), isPlannerConfigError);
  });

  it('redacts every occurrence of a secret', () => {
    expect(redactText('a sk-123 b sk-123', ['sk-123'])).toBe('a *** b ***');
    expect(redactText('abc', ['', 'ab'])).toBe('abc');
  });
});
