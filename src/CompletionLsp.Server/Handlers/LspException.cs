using CompletionLsp.Server.Protocol;
using StreamJsonRpc;

namespace CompletionLsp.Server.Handlers;

/// <summary>An error answer with an LSP error code.</summary>
public sealed class LspException(int code, string message) : Exception(message)
{
    public int Code { get; } = code;

    public static LspException InvalidParams(string message) => new(LspErrorCodes.InvalidParams, message);
    public static LspException RequestFailed(string message) => new(LspErrorCodes.RequestFailed, message);

    public LocalRpcException ToRpc() => new(Message) { ErrorCode = Code };
}
