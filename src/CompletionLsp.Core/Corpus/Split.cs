namespace CompletionLsp.Core.Corpus;

/// <summary>The deterministic train/test split by file: FNV-1a 32-bit of the repo-relative path ('/' separators), mod 10 == 0 is test.</summary>
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
}
