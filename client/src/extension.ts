/**
 * The extension host side: starts the language server (dist/server.js, over IPC) for .cnn
 * documents and registers the commands. Everything language-specific happens in the server.
 */
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { registerCompareWith } from './compareWith';
import { importModelCommand } from './importModel';
import { GraphPanels } from './graphPanel';
import { exportModel } from './exportModel';
import { LayerTablePanels } from './layerTablePanel';
import { registerTraining } from './training/registerTraining';

let client: LanguageClient | undefined;

/**
 * A 5,000-line file's syntax tree is a few MB of small objects that all live through one parse;
 * V8's default young generation copies them several times. A larger one parses it 3-5x faster.
 */
const SERVER_EXEC_ARGV = ['--max-semi-space-size=64'];

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const module = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc, options: { execArgv: SERVER_EXEC_ARGV } },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: [...SERVER_EXEC_ARGV, '--nolazy', '--inspect=6009'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'cnn' },
      { scheme: 'untitled', language: 'cnn' },
    ],
    synchronize: { configurationSection: 'cnn' },
  };
  client = new LanguageClient('cnn', 'CNN Spec', serverOptions, clientOptions);

  const panels = new LayerTablePanels(context.extensionUri, client);
  const graphs = new GraphPanels(context.extensionUri, client);
  context.subscriptions.push(
    panels,
    graphs,
    vscode.commands.registerCommand('cnn.showLayerTable', (uri?: unknown) =>
      panels.show(uri instanceof vscode.Uri ? uri : undefined),
    ),
    vscode.commands.registerCommand('cnn.importModel', importModelCommand),
    vscode.commands.registerCommand('cnn.showGraph', (uri?: unknown) => graphs.show(uri instanceof vscode.Uri ? uri : undefined)),
  );
  registerTraining(context, client);
  registerCompareWith(context);
  context.subscriptions.push(vscode.commands.registerCommand('cnn.exportModel', (uri?: unknown) => exportModel(client!, context.asAbsolutePath('dist/cli.js'), uri)));

  try {
    await client.start();
  } catch {
    // The client has already shown why in its output channel and a notification; the layer table
    // command stays registered and reports the missing server in its panel instead of failing.
  }
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
