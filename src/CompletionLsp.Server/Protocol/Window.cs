using System.Text.Json;

namespace CompletionLsp.Server.Protocol;

// window/* messages and work done progress (LSP 3.17, "Window Features", "Work Done Progress").

public static class MessageType
{
    public const int Error = 1, Warning = 2, Info = 3, Log = 4, Debug = 5;
}

public sealed record ShowMessageParams
{
    public int Type { get; init; }
    public required string Message { get; init; }
}

public sealed record LogMessageParams
{
    public int Type { get; init; }
    public required string Message { get; init; }
}

public sealed record LogTraceParams
{
    public required string Message { get; init; }
    public string? Verbose { get; init; }
}

public sealed record ShowMessageRequestParams
{
    public int Type { get; init; }
    public required string Message { get; init; }
    public MessageActionItem[]? Actions { get; init; }
}

public sealed record MessageActionItem
{
    public required string Title { get; init; }
}

public sealed record WorkDoneProgressCreateParams
{
    public required JsonElement Token { get; init; }
}

public sealed record WorkDoneProgressCancelParams
{
    public required JsonElement Token { get; init; }
}

public sealed record WorkDoneProgressBegin
{
    public string Kind => "begin";
    public required string Title { get; init; }
    public bool? Cancellable { get; init; }
    public string? Message { get; init; }
    public int? Percentage { get; init; }
}

public sealed record WorkDoneProgressReport
{
    public string Kind => "report";
    public bool? Cancellable { get; init; }
    public string? Message { get; init; }
    public int? Percentage { get; init; }
}

public sealed record WorkDoneProgressEnd
{
    public string Kind => "end";
    public string? Message { get; init; }
}
