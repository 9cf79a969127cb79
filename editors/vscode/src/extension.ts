// The noteproof extension: starts `python -m harness lsp` (noteproof's language server) for markdown notes and
// spec files, with the interpreter the user chose or the Python extension's active one. Everything else (lenses,
// diagnostics, hovers, quick fixes, runs) is the server's: this file holds no logic of its own.
import * as vscode from "vscode";
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from "vscode-languageclient/node";

export const SECTION = "noteproof";
const FALLBACK_INTERPRETER = "python3";

// What the Python extension exports (ms-python.python), as far as this extension reads it.
interface PythonApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { path: string } | undefined;
  };
}

export interface Settings {
  interpreter: string;
  runOnSave: boolean;
  timeout: number;
}

export function readSettings(configuration: vscode.WorkspaceConfiguration): Settings {
  return {
    interpreter: (configuration.get<string>("interpreter") ?? "").trim(),
    runOnSave: configuration.get<boolean>("runOnSave") ?? false,
    timeout: configuration.get<number>("timeout") ?? 60,
  };
}

/** The interpreter setting, else the Python extension's active interpreter, else python3 on the PATH. */
export async function resolveInterpreter(settings: Settings, resource?: vscode.Uri): Promise<string> {
  if (settings.interpreter) {
    return settings.interpreter;
  }
  const python = vscode.extensions.getExtension<PythonApi>("ms-python.python");
  if (python) {
    try {
      const api = python.isActive ? python.exports : await python.activate();
      const active = api?.environments?.getActiveEnvironmentPath(resource)?.path;
      if (active) {
        return active;
      }
    } catch {
      // The Python extension failing to answer is no reason not to start: fall back to the PATH.
    }
  }
  return FALLBACK_INTERPRETER;
}

export function serverOptions(interpreter: string, cwd: string | undefined): ServerOptions {
  return { command: interpreter, args: ["-m", "harness", "lsp"], transport: TransportKind.stdio, options: { cwd } };
}

export function clientOptions(settings: Settings): LanguageClientOptions {
  return {
    documentSelector: [
      { scheme: "file", language: "markdown" },
      { scheme: "file", pattern: "**/specs/*.toml" },
    ],
    initializationOptions: { runOnSave: settings.runOnSave, timeout: settings.timeout },
  };
}

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration(SECTION)) {
        // The interpreter and the initialization options are fixed when the server starts: start it again.
        await deactivate();
        await start();
      }
    }),
  );
  await start();
}

async function start(): Promise<void> {
  const settings = readSettings(vscode.workspace.getConfiguration(SECTION));
  const folder = vscode.workspace.workspaceFolders?.[0];
  const interpreter = await resolveInterpreter(settings, folder?.uri);
  client = new LanguageClient(
    "noteproof",
    "noteproof",
    serverOptions(interpreter, folder?.uri.fsPath),
    clientOptions(settings),
  );
  try {
    await client.start();
  } catch (error) {
    client = undefined;
    void vscode.window.showErrorMessage(
      `noteproof: could not start \`${interpreter} -m harness lsp\` (is noteproof installed there? ` +
        `set noteproof.interpreter): ${String(error)}`,
    );
  }
}

export async function deactivate(): Promise<void> {
  const running = client;
  client = undefined;
  if (running) {
    await running.stop();
  }
}
