using System.Text.Json;

namespace CompletionLsp.Server.Protocol;

// textDocument/inlineCompletion (LSP 3.18, "Inline Completion Request").

public sealed record InlineCompletionOptions
{
    public bool? WorkDoneProgress { get; init; }
}

public sealed record InlineCompletionParams : TextDocumentPositionParams
{
    public required InlineCompletionContext Context { get; init; }
    public JsonElement? WorkDoneToken { get; init; }
}

public static class InlineCompletionTriggerKind
{
    /// <summary>Explicitly asked for by the user.</summary>
    public const int Invoked = 1;
    /// <summary>Asked for while the user types.</summary>
    public const int Automatic = 2;
}

public sealed record InlineCompletionContext
{
    public int TriggerKind { get; init; } = InlineCompletionTriggerKind.Automatic;
    public SelectedCompletionInfo? SelectedCompletionInfo { get; init; }
}

/// <summary>The completion item the editor has selected in its completion widget: an inline suggestion must extend it.</summary>
public sealed record SelectedCompletionInfo
{
    public required Range Range { get; init; }
    public required string Text { get; init; }
}

public sealed record InlineCompletionList
{
    public required InlineCompletionItem[] Items { get; init; }
}

public sealed record InlineCompletionItem
{
    /// <summary>The spec allows <c>string | StringValue</c>; this server sends plain text.</summary>
    public required string InsertText { get; init; }
    public string? FilterText { get; init; }
    public Range? Range { get; init; }
}
