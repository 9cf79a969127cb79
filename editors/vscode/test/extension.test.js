// The extension's client side, under `node --test`, with `vscode` and `vscode-languageclient/node` mocked:
// VS Code itself cannot run here. Built first by `npm run build:test` (out/extension.js keeps both external).
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const Module = require("node:module");
const path = require("node:path");
const fs = require("node:fs");

// -- the mocks -----------------------------------------------------------------------------------------------------

const state = {};

function reset({ settings = {}, python = undefined, startFails = false } = {}) {
  state.settings = { interpreter: "", runOnSave: false, timeout: 60, ...settings };
  state.python = python;
  state.startFails = startFails;
  state.clients = [];
  state.errors = [];
  state.listeners = [];
}

const vscode = {
  workspace: {
    workspaceFolders: [{ uri: { fsPath: "/work/notes", toString: () => "file:///work/notes" } }],
    getConfiguration(section) {
      assert.equal(section, "noteproof");
      return { get: (key) => state.settings[key] };
    },
    onDidChangeConfiguration(listener) {
      state.listeners.push(listener);
      return { dispose() {} };
    },
  },
  extensions: {
    getExtension(id) {
      return id === "ms-python.python" ? state.python : undefined;
    },
  },
  window: {
    showErrorMessage(message) {
      state.errors.push(message);
      return Promise.resolve(undefined);
    },
  },
};

class LanguageClient {
  constructor(id, name, serverOptions, clientOptions) {
    Object.assign(this, { id, name, serverOptions, clientOptions, started: false, stopped: false });
    state.clients.push(this);
  }
  async start() {
    if (state.startFails) {
      throw new Error("spawn nopython ENOENT");
    }
    this.started = true;
  }
  async stop() {
    this.stopped = true;
  }
}

const languageclient = { LanguageClient, TransportKind: { stdio: 0 } };
const originalLoad = Module._load;
Module._load = function (request, parent, isMain) {
  if (request === "vscode") return vscode;
  if (request === "vscode-languageclient/node") return languageclient;
  return originalLoad.call(this, request, parent, isMain);
};

const extension = require(path.join(__dirname, "..", "out", "extension.js"));

function pythonExtension(interpreter, { active = false, fails = false } = {}) {
  const api = { environments: { getActiveEnvironmentPath: () => (interpreter ? { path: interpreter } : undefined) } };
  return {
    isActive: active,
    exports: active ? api : undefined,
    activate: async () => {
      if (fails) throw new Error("the Python extension failed");
      return api;
    },
  };
}

async function activated(options) {
  reset(options);
  const context = { subscriptions: [] };
  await extension.activate(context);
  return context;
}

test.afterEach(async () => {
  await extension.deactivate();
});

// -- the interpreter -----------------------------------------------------------------------------------------------

test("the interpreter setting wins over the Python extension", async () => {
  await activated({ settings: { interpreter: "/opt/venv/bin/python" }, python: pythonExtension("/usr/bin/other") });
  assert.equal(state.clients[0].serverOptions.command, "/opt/venv/bin/python");
});

test("without a setting, the Python extension's active interpreter runs the server", async () => {
  await activated({ python: pythonExtension("/work/.venv/bin/python") });
  assert.equal(state.clients[0].serverOptions.command, "/work/.venv/bin/python");
  await activated({ python: pythonExtension("/already/active/python", { active: true }) });
  assert.equal(state.clients[0].serverOptions.command, "/already/active/python");
});

test("without a setting or a Python extension that answers, python3 from the PATH", async () => {
  await activated({});
  assert.equal(state.clients[0].serverOptions.command, "python3");
  await activated({ python: pythonExtension("/x/python", { fails: true }) });
  assert.equal(state.clients[0].serverOptions.command, "python3");
  await activated({ python: pythonExtension(undefined) });
  assert.equal(state.clients[0].serverOptions.command, "python3");
});

// -- the client ----------------------------------------------------------------------------------------------------

test("activation starts `python -m harness lsp` for markdown notes and spec files", async () => {
  await activated({ settings: { interpreter: "py", runOnSave: true, timeout: 5 } });
  const [client] = state.clients;
  assert.equal(client.started, true);
  assert.deepEqual(client.serverOptions.args, ["-m", "harness", "lsp"]);
  assert.equal(client.serverOptions.options.cwd, "/work/notes");
  assert.deepEqual(client.clientOptions.documentSelector, [
    { scheme: "file", language: "markdown" },
    { scheme: "file", pattern: "**/specs/*.toml" },
  ]);
  assert.deepEqual(client.clientOptions.initializationOptions, { runOnSave: true, timeout: 5 });
});

test("run on save is off unless the setting turns it on", async () => {
  await activated({ settings: { interpreter: "py" } });
  assert.equal(state.clients[0].clientOptions.initializationOptions.runOnSave, false);
});

test("a change of noteproof's settings restarts the server with them; other changes do not", async () => {
  await activated({ settings: { interpreter: "py" } });
  const [listener] = state.listeners;
  await listener({ affectsConfiguration: (section) => section === "editor" });
  assert.equal(state.clients.length, 1);

  state.settings.runOnSave = true;
  await listener({ affectsConfiguration: (section) => section === "noteproof" });
  assert.equal(state.clients.length, 2);
  assert.equal(state.clients[0].stopped, true);
  assert.equal(state.clients[1].started, true);
  assert.equal(state.clients[1].clientOptions.initializationOptions.runOnSave, true);
  assert.equal(state.listeners.length, 1, "the listener is registered once, not once per restart");
});

test("a server that cannot start is an error message naming the interpreter, not a crash", async () => {
  await activated({ settings: { interpreter: "nopython" }, startFails: true });
  assert.equal(state.errors.length, 1);
  assert.match(state.errors[0], /nopython -m harness lsp/);
  assert.match(state.errors[0], /noteproof\.interpreter/);
});

// -- the manifest --------------------------------------------------------------------------------------------------

test("the manifest: untrusted workspaces unsupported, activation on notes and specs, the two settings", () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8"));
  assert.equal(manifest.capabilities.untrustedWorkspaces.supported, false);
  assert.deepEqual(manifest.activationEvents, ["onLanguage:markdown", "workspaceContains:**/specs/*.toml"]);
  const settings = manifest.contributes.configuration.properties;
  assert.equal(settings["noteproof.interpreter"].default, "");
  assert.equal(settings["noteproof.runOnSave"].default, false);
  assert.equal(manifest.main, "./dist/extension.js");
});
