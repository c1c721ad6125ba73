//! `pdec lsp`: a language server for `.pde` files over standard input and output (the
//! Language Server Protocol, through `lsp-server` as rust-analyzer speaks it: synchronous,
//! one request at a time). This file holds the loop and the dispatch; each concern has its
//! file: `documents` (the open texts and the front end's result for each, recomputed on every
//! change), `position` (byte offsets to UTF-16 positions and back), `diagnostics`, `hover`,
//! `completion`, `definition` and `formatting`.
//!
//! A handler that fails (a bug) answers its request with an internal error and the server
//! goes on; a text the front end cannot take is diagnostics, never a failure.

mod completion;
mod definition;
mod diagnostics;
mod documents;
mod formatting;
mod hover;
mod position;

use completion::Library;
use documents::Document;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, Notification as _,
    PublishDiagnostics,
};
use lsp_types::request::{Completion, Formatting, GotoDefinition, HoverRequest, Request as _};
use lsp_types::{
    CompletionOptions, CompletionResponse, GotoDefinitionResponse, HoverProviderCapability, OneOf,
    PublishDiagnosticsParams, ServerCapabilities, TextDocumentPositionParams,
    TextDocumentSyncCapability, TextDocumentSyncKind, Uri,
};
use serde_json::Value;
use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Serves one client until it says `exit`; the exit code is 0 after a `shutdown` request, 1
/// otherwise (as the protocol asks), or when the connection broke.
pub fn serve() -> i32 {
    let (connection, io_threads) = Connection::stdio();
    let code = match run(&connection) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("pdec lsp: {e}");
            1
        }
    };
    // The writer thread ends when the last sender is gone.
    drop(connection);
    match io_threads.join() {
        Ok(()) => code,
        Err(e) => {
            eprintln!("pdec lsp: {e}");
            code.max(1)
        }
    }
}

/// What the server offers: whole-text sync, hover, completion, definition, formatting.
fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        // Offered as a name is typed; no trigger characters (a `.` in the language only
        // follows a setting's key, where the names are the file's terms and variables).
        completion_provider: Some(CompletionOptions::default()),
        definition_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        ..ServerCapabilities::default()
    }
}

fn run(connection: &Connection) -> Result<i32, Box<dyn std::error::Error>> {
    let (id, _params) = connection.initialize_start()?;
    connection.initialize_finish(
        id,
        serde_json::json!({
            "capabilities": capabilities(),
            "serverInfo": { "name": "pdec", "version": env!("CARGO_PKG_VERSION") },
        }),
    )?;
    let mut server = Server {
        documents: HashMap::new(),
        library: Library::new(),
        connection,
    };
    for message in &connection.receiver {
        match message {
            Message::Request(req) => {
                if connection.handle_shutdown(&req)? {
                    return Ok(0);
                }
                let response = server.request(req);
                connection.sender.send(response.into())?;
            }
            Message::Notification(n) if n.method == "exit" => return Ok(1),
            Message::Notification(n) => server.notification(n)?,
            Message::Response(_) => {}
        }
    }
    // The client closed the stream without `exit`.
    Ok(1)
}

struct Server<'c> {
    documents: HashMap<Uri, Document>,
    library: Library,
    connection: &'c Connection,
}

impl Server<'_> {
    fn request(&mut self, req: Request) -> Response {
        let id = req.id.clone();
        let answer = catch_unwind(AssertUnwindSafe(|| self.answer(req)));
        match answer {
            Ok(Ok(value)) => Response::new_ok(id, value),
            Ok(Err((code, message))) => Response::new_err(id, code as i32, message),
            Err(_) => internal(id),
        }
    }

    /// The result of a request, or its error code and message.
    fn answer(&mut self, req: Request) -> Result<Value, (ErrorCode, String)> {
        let json = |v: Result<Value, serde_json::Error>| {
            v.map_err(|e| (ErrorCode::InternalError, e.to_string()))
        };
        match req.method.as_str() {
            HoverRequest::METHOD => {
                let p: lsp_types::HoverParams = params(req.params)?;
                let hover = self
                    .at(&p.text_document_position_params)
                    .and_then(|(doc, offset)| hover::hover(doc, offset));
                json(serde_json::to_value(hover))
            }
            Completion::METHOD => {
                let p: lsp_types::CompletionParams = params(req.params)?;
                let items = self
                    .at(&p.text_document_position)
                    .map(|(doc, offset)| self.library.complete(doc, offset))
                    .unwrap_or_default();
                json(serde_json::to_value(CompletionResponse::Array(items)))
            }
            GotoDefinition::METHOD => {
                let p: lsp_types::GotoDefinitionParams = params(req.params)?;
                let location = self
                    .at(&p.text_document_position_params)
                    .and_then(|(doc, offset)| definition::definition(doc, offset))
                    .map(GotoDefinitionResponse::Scalar);
                json(serde_json::to_value(location))
            }
            Formatting::METHOD => {
                let p: lsp_types::DocumentFormattingParams = params(req.params)?;
                let Some(doc) = self.documents.get(&p.text_document.uri) else {
                    return Ok(Value::Null);
                };
                let edits = formatting::format(doc).map_err(|e| (ErrorCode::InternalError, e))?;
                json(serde_json::to_value(edits))
            }
            other => Err((
                ErrorCode::MethodNotFound,
                format!("pdec lsp does not answer `{other}`"),
            )),
        }
    }

    /// The open document and byte offset a position names.
    fn at(&self, p: &TextDocumentPositionParams) -> Option<(&Document, usize)> {
        let doc = self.documents.get(&p.text_document.uri)?;
        Some((doc, doc.offset(p.position)))
    }

    fn notification(&mut self, n: Notification) -> Result<(), Box<dyn std::error::Error>> {
        let uri = match n.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let Ok(p) = params::<lsp_types::DidOpenTextDocumentParams>(n.params) else {
                    return Ok(());
                };
                let d = p.text_document;
                let doc = Self::guarded(&d.uri, d.version, || {
                    Document::new(d.uri.clone(), d.version, d.text)
                });
                self.documents.insert(d.uri.clone(), doc);
                d.uri
            }
            DidChangeTextDocument::METHOD => {
                let Ok(p) = params::<lsp_types::DidChangeTextDocumentParams>(n.params) else {
                    return Ok(());
                };
                let uri = p.text_document.uri;
                let Some(mut doc) = self.documents.remove(&uri) else {
                    return Ok(());
                };
                let version = p.text_document.version;
                let doc = Self::guarded(&uri, version, move || {
                    doc.change(version, p.content_changes);
                    doc
                });
                self.documents.insert(uri.clone(), doc);
                uri
            }
            DidCloseTextDocument::METHOD => {
                let Ok(p) = params::<lsp_types::DidCloseTextDocumentParams>(n.params) else {
                    return Ok(());
                };
                self.documents.remove(&p.text_document.uri);
                return self.publish(PublishDiagnosticsParams::new(
                    p.text_document.uri,
                    Vec::new(),
                    None,
                ));
            }
            _ => return Ok(()),
        };
        match self.documents.get(&uri) {
            Some(doc) => self.publish(PublishDiagnosticsParams::new(
                uri.clone(),
                diagnostics::of(doc),
                Some(doc.version),
            )),
            None => Ok(()),
        }
    }

    /// A document made by `f`, or, should that fail (a bug), an empty one whose diagnostic
    /// says so.
    fn guarded(uri: &Uri, version: i32, f: impl FnOnce() -> Document) -> Document {
        catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| Document::failed(uri.clone(), version))
    }

    fn publish(&self, p: PublishDiagnosticsParams) -> Result<(), Box<dyn std::error::Error>> {
        let n = Notification::new(PublishDiagnostics::METHOD.to_string(), p);
        self.connection.sender.send(n.into())?;
        Ok(())
    }
}

fn params<P: serde::de::DeserializeOwned>(v: Value) -> Result<P, (ErrorCode, String)> {
    serde_json::from_value(v).map_err(|e| (ErrorCode::InvalidParams, e.to_string()))
}

fn internal(id: RequestId) -> Response {
    Response::new_err(
        id,
        ErrorCode::InternalError as i32,
        "internal error in pdec lsp (this is a bug; please report it with the file)".into(),
    )
}
