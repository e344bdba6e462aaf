using CompletionLsp.Server.Protocol;

namespace CompletionLsp.Server;

/// <summary>
/// The server's log: every line goes to stderr (never stdout, which carries the protocol), and, once a client is
/// connected, to the client as window/logMessage.
/// </summary>
public sealed class ServerLog(TextWriter? stderr)
{
    private readonly object _lock = new();
    private Action<LogMessageParams>? _client;

    /// <summary>Where window/logMessage notifications go (set when the connection is up).</summary>
    public void AttachClient(Action<LogMessageParams>? send) => _client = send;

    /// <summary>Messages at this level or more important go to the client (MessageType: 1 error .. 4 log).</summary>
    public int ClientLevel { get; set; } = MessageType.Log;

    public void Error(string message) => Write(MessageType.Error, message);
    public void Warn(string message) => Write(MessageType.Warning, message);
    public void Info(string message) => Write(MessageType.Info, message);
    public void Debug(string message) => Write(MessageType.Log, message);

    public void Write(int type, string message)
    {
        if (stderr != null)
        {
            string level = type switch { MessageType.Error => "error", MessageType.Warning => "warn", MessageType.Info => "info", _ => "debug" };
            lock (_lock)
            {
                try
                {
                    stderr.WriteLine($"[{DateTime.Now:HH:mm:ss.fff}] {level,-5} {message}");
                    stderr.Flush();
                }
                catch (Exception e) when (e is IOException or ObjectDisposedException) { /* stderr gone: keep serving */ }
            }
        }
        if (type <= ClientLevel) _client?.Invoke(new LogMessageParams { Type = type, Message = message });
    }
}
