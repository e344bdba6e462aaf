using System.Text.Json;

namespace CompletionLsp.Server.Protocol;

// initialize / initialized / shutdown / exit, and the capabilities exchanged (LSP 3.17, "Server lifecycle").
// Client capabilities are typed only where this server reads them; the rest is ignored.

public sealed record InitializeParams : IWorkDoneProgressParams
{
    public int? ProcessId { get; init; }
    public ClientInfo? ClientInfo { get; init; }
    public string? Locale { get; init; }
    public string? RootPath { get; init; }
    public string? RootUri { get; init; }
    public JsonElement? InitializationOptions { get; init; }
    public ClientCapabilities Capabilities { get; init; } = new();
    public string? Trace { get; init; }
    public WorkspaceFolder[]? WorkspaceFolders { get; init; }
    public JsonElement? WorkDoneToken { get; init; }
}

public sealed record ClientInfo
{
    public required string Name { get; init; }
    public string? Version { get; init; }
}

public sealed record WorkspaceFolder
{
    public required string Uri { get; init; }
    public string Name { get; init; } = "";
}

public sealed record ClientCapabilities
{
    public WorkspaceClientCapabilities? Workspace { get; init; }
    public TextDocumentClientCapabilities? TextDocument { get; init; }
    public WindowClientCapabilities? Window { get; init; }
    public GeneralClientCapabilities? General { get; init; }
}

public sealed record GeneralClientCapabilities
{
    /// <summary>Position encodings the client supports, preferred first ("utf-8", "utf-16", "utf-32"); absent means utf-16.</summary>
    public string[]? PositionEncodings { get; init; }
}

public sealed record WindowClientCapabilities
{
    public bool? WorkDoneProgress { get; init; }
    public ShowMessageRequestClientCapabilities? ShowMessage { get; init; }
}

public sealed record ShowMessageRequestClientCapabilities
{
    public JsonElement? MessageActionItem { get; init; }
}

public sealed record WorkspaceClientCapabilities
{
    public bool? Configuration { get; init; }
    public bool? WorkspaceFolders { get; init; }
    public DynamicRegistrationCapability? DidChangeWatchedFiles { get; init; }
}

public sealed record DynamicRegistrationCapability
{
    public bool? DynamicRegistration { get; init; }
}

public sealed record TextDocumentClientCapabilities
{
    public CompletionClientCapabilities? Completion { get; init; }
    public JsonElement? InlineCompletion { get; init; }
}

public sealed record CompletionClientCapabilities
{
    public CompletionItemClientCapabilities? CompletionItem { get; init; }
    public bool? ContextSupport { get; init; }
}

public sealed record CompletionItemClientCapabilities
{
    public bool? SnippetSupport { get; init; }
    public bool? LabelDetailsSupport { get; init; }
    public bool? InsertReplaceSupport { get; init; }
}

public sealed record InitializeResult
{
    public required ServerCapabilities Capabilities { get; init; }
    public ServerInfo? ServerInfo { get; init; }
}

public sealed record ServerInfo
{
    public required string Name { get; init; }
    public string? Version { get; init; }
}

public sealed record ServerCapabilities
{
    public string? PositionEncoding { get; init; }
    public TextDocumentSyncOptions? TextDocumentSync { get; init; }
    public CompletionOptions? CompletionProvider { get; init; }
    /// <summary>LSP 3.18: <c>boolean | InlineCompletionOptions</c>.</summary>
    public InlineCompletionOptions? InlineCompletionProvider { get; init; }
    public ExecuteCommandOptions? ExecuteCommandProvider { get; init; }
}

public static class TextDocumentSyncKind
{
    public const int None = 0, Full = 1, Incremental = 2;
}

public sealed record TextDocumentSyncOptions
{
    public bool OpenClose { get; init; }
    public int Change { get; init; }
    public SaveOptions? Save { get; init; }
}

public sealed record SaveOptions
{
    public bool IncludeText { get; init; }
}

public sealed record SetTraceParams
{
    /// <summary>"off", "messages" or "verbose".</summary>
    public required string Value { get; init; }
}
