/**
 * Reading a chat-completions answer that was asked for with `stream: true` and
 * `stream_options: { include_usage: true }`.
 *
 * A streamed answer (`content-type: text/event-stream`) is a series of SSE `data:` chunks, each a
 * `chat.completion.chunk` whose `choices[0].delta.content` is the next piece of the text; the last
 * chunk before `data: [DONE]` carries `usage` (and no choices). Each non-empty piece is handed to
 * `onDelta` as it arrives, in order; the pieces are concatenated into the message text.
 *
 * Servers that ignore `stream` and answer one JSON completion (any other content type) are read as
 * such: no delta is reported, the completion is returned as the SDK would have parsed it.
 */
import type OpenAI from 'openai';
import { Stream } from 'openai/streaming';

/** A completion as `chatCompletion` reads it, whether it was streamed or not. */
export type CompletionLike = Partial<OpenAI.Chat.ChatCompletion> | null;

/**
 * Reads `response` (the raw answer to a streaming request) into a completion, calling `onDelta`
 * with each text piece of a streamed answer.
 * @throws what reading the body throws (a dropped connection, an abort), an APIError for an SSE
 *   `error` chunk, a SyntaxError for a chunk or a body that is not JSON.
 */
export async function readChatAnswer(response: Response, onDelta: ((text: string) => void) | undefined, client: OpenAI): Promise<CompletionLike> {
  const type = response.headers.get('content-type') ?? '';
  if (!type.includes('text/event-stream')) return (await response.json()) as CompletionLike;
  const chunks = Stream.fromSSEResponse<Partial<OpenAI.Chat.ChatCompletionChunk>>(response, new AbortController(), client);
  let text = '';
  let refusal: string | undefined;
  let finish: OpenAI.Chat.ChatCompletion.Choice['finish_reason'] | undefined;
  let model: string | undefined;
  let usage: OpenAI.CompletionUsage | undefined;
  let sawChoice = false;
  for await (const chunk of chunks) {
    if (typeof chunk.model === 'string' && chunk.model !== '') model ??= chunk.model;
    if (chunk.usage) usage = chunk.usage;
    const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
    if (!choice) continue;
    sawChoice = true;
    const piece = choice.delta?.content;
    if (typeof piece === 'string' && piece !== '') {
      text += piece;
      onDelta?.(piece);
    }
    if (typeof choice.delta?.refusal === 'string') refusal = (refusal ?? '') + choice.delta.refusal;
    if (choice.finish_reason) finish = choice.finish_reason;
  }
  const message = { role: 'assistant' as const, content: refusal !== undefined && text === '' ? null : text, refusal: refusal ?? null };
  return {
    ...(model !== undefined ? { model } : {}),
    ...(usage !== undefined ? { usage } : {}),
    choices: sawChoice ? [{ index: 0, message, finish_reason: finish, logprobs: null }] : [],
  } as CompletionLike;
}
