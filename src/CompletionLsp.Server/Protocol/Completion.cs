using System.Text.Json;

namespace CompletionLsp.Server.Protocol;

// textDocument/completion and completionItem/resolve (LSP 3.17, "Completion Request").

public sealed record CompletionOptions
{
    public string[]? TriggerCharacters { get; init; }
    public string[]? AllCommitCharacters { get; init; }
    public bool? ResolveProvider { get; init; }
    public CompletionOptionsCompletionItem? CompletionItem { get; init; }
}

public sealed record CompletionOptionsCompletionItem
{
    public bool? LabelDetailsSupport { get; init; }
}

public sealed record CompletionParams : TextDocumentPositionParams
{
    public CompletionContext? Context { get; init; }
    public JsonElement? WorkDoneToken { get; init; }
    public JsonElement? PartialResultToken { get; init; }
}

public static class CompletionTriggerKind
{
    public const int Invoked = 1, TriggerCharacter = 2, TriggerForIncompleteCompletions = 3;
}

public sealed record CompletionContext
{
    public int TriggerKind { get; init; } = CompletionTriggerKind.Invoked;
    public string? TriggerCharacter { get; init; }
}

public sealed record CompletionList
{
    public bool IsIncomplete { get; init; }
    public required CompletionItem[] Items { get; init; }
}

public sealed record CompletionItem
{
    public required string Label { get; init; }
    public CompletionItemLabelDetails? LabelDetails { get; init; }
    public int? Kind { get; init; }
    public string? Detail { get; init; }
    public string? SortText { get; init; }
    public string? FilterText { get; init; }
    public string? InsertText { get; init; }
    public int? InsertTextFormat { get; init; }
    public TextEdit? TextEdit { get; init; }
    public bool? Preselect { get; init; }
    public string[]? CommitCharacters { get; init; }
    public TextEdit[]? AdditionalTextEdits { get; init; }
    /// <summary>string | MarkupContent: filled in by completionItem/resolve.</summary>
    public MarkupContent? Documentation { get; init; }
    public JsonElement? Data { get; init; }
}

public sealed record MarkupContent
{
    public string Kind { get; init; } = "markdown";
    public required string Value { get; init; }
}

public sealed record CompletionItemLabelDetails
{
    public string? Detail { get; init; }
    public string? Description { get; init; }
}

public static class CompletionItemKind
{
    public const int Text = 1, Method = 2, Function = 3, Constructor = 4, Field = 5, Variable = 6, Class = 7, Interface = 8,
        Module = 9, Property = 10, Unit = 11, Value = 12, Enum = 13, Keyword = 14, Snippet = 15, Color = 16, File = 17,
        Reference = 18, Folder = 19, EnumMember = 20, Constant = 21, Struct = 22, Event = 23, Operator = 24, TypeParameter = 25;
}

public static class InsertTextFormat
{
    public const int PlainText = 1, Snippet = 2;
}
