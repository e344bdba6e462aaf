namespace CompletionLsp.Server.Handlers;

public interface ILspHandler
{
    string Method { get; }
    HandlerKind Kind { get; }
}
