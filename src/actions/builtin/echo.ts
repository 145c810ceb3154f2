/** `echo`: returns its input unchanged (a JSON object). Handy for tests and for passing values on. */
import { z } from 'zod';
import { defineAction } from '../action.ts';

/** Input and output: any JSON object. */
const EchoIO = z.record(z.string(), z.json());

/** Creates the `echo` action: output = input. No side effect, no cost. */
export function echoAction() {
  return defineAction({
    name: 'echo',
    description: 'Returns its input object unchanged. Use it to pass or combine values between steps.',
    input: EchoIO,
    output: EchoIO,
    async run(input) {
      return input;
    },
  });
}
