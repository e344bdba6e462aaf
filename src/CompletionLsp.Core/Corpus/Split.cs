namespace CompletionLsp.Core.Corpus;

/// <summary>
/// The deterministic splits by file, on FNV-1a 32-bit of the repo-relative path ('/' separators): mod 10 == 0 is the
/// test split (left out of training unless all files are asked for); mod 10 == 1 is the validation part of the
/// training files (held out to fit the cache's concentrations and the neural models and their mixture weights).
/// </summary>
public static class Split
{
    public static uint Fnv1a32(string s)
    {
        uint h = 2166136261;
        foreach (byte b in System.Text.Encoding.UTF8.GetBytes(s))
        {
            h ^= b;
            h *= 16777619;
        }
        return h;
    }

    public static bool IsTest(string relativePath) => Fnv1a32(relativePath.Replace('\\', '/')) % 10 == 0;

    /// <summary>Validation files: a deterministic tenth of the training files (FNV-1a of the path mod 10 == 1).</summary>
    public static bool IsValidation(string relativePath) => Fnv1a32(relativePath.Replace('\\', '/')) % 10 == 1;
}
