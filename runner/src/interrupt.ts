/**
 * Ctrl+C (SIGINT) and SIGTERM for the commands that train in this process (`cnn train`,
 * `cnn compare`): the first asks the run to stop at its next step, which saves the weights at that
 * step and records the run as interrupted; a second quits at once (exit code 130), and the run
 * folder, which already has the last epoch's weights, records that too (RunFolder's exit hook).
 */
export interface Interrupt {
  /** True once Ctrl+C (or SIGTERM) was pressed. */
  requested(): boolean;
  /** What a TrainCallbacks.shouldStop returns: 'interrupted' once requested. */
  shouldStop(): false | 'interrupted';
  dispose(): void;
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

export function onInterrupt(stderr: NodeJS.WritableStream, command: string, exit: (code: number) => void = (code) => process.exit(code)): Interrupt {
  let requested = false;
  const handler = (signal: NodeJS.Signals) => {
    if (requested) {
      stderr.write(`\n${command}: ${signal} again: quitting now; the run folder keeps the last saved weights\n`);
      exit(130);
      return;
    }
    requested = true;
    stderr.write(`\n${command}: stopping after this step and saving the weights (${signal === 'SIGINT' ? 'Ctrl+C' : signal} again to quit at once)\n`);
  };
  for (const s of SIGNALS) process.on(s, handler);
  return {
    requested: () => requested,
    shouldStop: () => (requested ? 'interrupted' : false),
    dispose: () => { for (const s of SIGNALS) process.off(s, handler); },
  };
}
