namespace CompletionLsp.Core.Engine;

public sealed class UnknownDocumentException(string uri) : Exception($"unknown document: {uri} (not opened)")
{
    public string Uri { get; } = uri;
}
