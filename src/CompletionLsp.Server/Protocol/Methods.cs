namespace CompletionLsp.Server.Protocol;

/// <summary>Method names of the messages this server handles or sends.</summary>
public static class Methods
{
    public const string Initialize = "initialize";
    public const string Initialized = "initialized";
    public const string Shutdown = "shutdown";
    public const string Exit = "exit";
    public const string CancelRequest = "$/cancelRequest";
    public const string SetTrace = "$/setTrace";
    public const string LogTrace = "$/logTrace";
    public const string Progress = "$/progress";

    public const string DidOpen = "textDocument/didOpen";
    public const string DidChange = "textDocument/didChange";
    public const string DidSave = "textDocument/didSave";
    public const string DidClose = "textDocument/didClose";
    public const string Completion = "textDocument/completion";
    public const string CompletionResolve = "completionItem/resolve";
    public const string InlineCompletion = "textDocument/inlineCompletion";

    public const string ExecuteCommand = "workspace/executeCommand";
    public const string DidChangeConfiguration = "workspace/didChangeConfiguration";
    public const string DidChangeWatchedFiles = "workspace/didChangeWatchedFiles";
    public const string RegisterCapability = "client/registerCapability";

    public const string LogMessage = "window/logMessage";
    public const string ShowMessage = "window/showMessage";
    public const string ShowMessageRequest = "window/showMessageRequest";
    public const string WorkDoneProgressCreate = "window/workDoneProgress/create";
    public const string WorkDoneProgressCancel = "window/workDoneProgress/cancel";
}
