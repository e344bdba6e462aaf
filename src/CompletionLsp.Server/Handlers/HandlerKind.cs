namespace CompletionLsp.Server.Handlers;

/// <summary>How a message is scheduled (see <see cref="RequestQueue"/>).</summary>
public enum HandlerKind
{
    /// <summary>Changes documents or settings: runs alone, after everything before it, before everything after it.</summary>
    Mutating,
    /// <summary>Reads documents: runs after the edits before it, concurrently with other queries.</summary>
    Query,
    /// <summary>Touches no document (lifecycle, commands): runs at once, outside the queue.</summary>
    Independent,
}
