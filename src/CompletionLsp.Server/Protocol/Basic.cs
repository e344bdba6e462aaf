using System.Text.Json;
using System.Text.Json.Serialization;

namespace CompletionLsp.Server.Protocol;

// Basic structures of the Language Server Protocol 3.17 (https://microsoft.github.io/language-server-protocol/specifications/lsp/3.17/specification/#basicJsonStructures).
// Property names are camelCased by the serializer; optional members are nullable and left out when null.

/// <summary>A position in a text document: zero-based line and character offset in UTF-16 code units (the default position encoding).</summary>
public sealed record Position
{
    public Position() { }
    public Position(int line, int character) { Line = line; Character = character; }
    public int Line { get; init; }
    public int Character { get; init; }
}

/// <summary>A range in a text document: <see cref="Start"/> inclusive, <see cref="End"/> exclusive.</summary>
public sealed record Range
{
    public Range() { }
    [System.Diagnostics.CodeAnalysis.SetsRequiredMembers]
    public Range(Position start, Position end) { Start = start; End = end; }
    public required Position Start { get; init; }
    public required Position End { get; init; }
}

public sealed record TextEdit
{
    public required Range Range { get; init; }
    public required string NewText { get; init; }
}

public sealed record TextDocumentIdentifier
{
    public required string Uri { get; init; }
}

public sealed record VersionedTextDocumentIdentifier
{
    public required string Uri { get; init; }
    public int Version { get; init; }
}

public sealed record TextDocumentItem
{
    public required string Uri { get; init; }
    public string LanguageId { get; init; } = "";
    public int Version { get; init; }
    public required string Text { get; init; }
}

public record TextDocumentPositionParams
{
    public required TextDocumentIdentifier TextDocument { get; init; }
    public required Position Position { get; init; }
}

/// <summary>A progress token: an integer or a string, kept as the client sent it.</summary>
public interface IWorkDoneProgressParams
{
    JsonElement? WorkDoneToken { get; }
}

public sealed record ProgressParams
{
    public required JsonElement Token { get; init; }
    public required object Value { get; init; }
}

/// <summary>Error codes of JSON-RPC and of the LSP.</summary>
public static class LspErrorCodes
{
    public const int ParseError = -32700;
    public const int InvalidRequest = -32600;
    public const int MethodNotFound = -32601;
    public const int InvalidParams = -32602;
    public const int InternalError = -32603;
    public const int ServerNotInitialized = -32002;
    public const int UnknownErrorCode = -32001;
    public const int RequestFailed = -32803;
    public const int ServerCancelled = -32802;
    public const int ContentModified = -32801;
    public const int RequestCancelled = -32800;
}

/// <summary>The serializer settings the LSP wants: camelCase names, nulls left out, integer enums.</summary>
public static class LspJson
{
    public static readonly JsonSerializerOptions Options = Create();

    public static JsonSerializerOptions Create() => new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        RespectNullableAnnotations = true,
        NumberHandling = JsonNumberHandling.Strict,
    };
}
