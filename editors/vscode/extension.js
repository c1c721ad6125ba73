// The pdec extension's entry: starts `pdec lsp`, the language server (diagnostics as you
// type, hover, completion, go to definition, formatting), for `.pde` files. The binary is
// the setting `pdec.path` (default `pdec`, found on the PATH); after changing it, reload the
// window.
'use strict';

const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

let client;

function activate() {
  const command = vscode.workspace.getConfiguration('pdec').get('path') || 'pdec';
  // No transport given: the client speaks to the process over its stdin and stdout.
  const serverOptions = { command, args: ['lsp'] };
  const clientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'pde' },
      { scheme: 'untitled', language: 'pde' },
    ],
  };
  client = new LanguageClient('pdec', 'pdec language server', serverOptions, clientOptions);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
