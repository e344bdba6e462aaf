using TorchSharp;
using static TorchSharp.torch;

namespace CompletionLsp.Neural.Native;

/// <summary>Thrown when the requested device cannot be used (CUDA asked for and not available).</summary>
public sealed class NeuralDeviceException(string message) : Exception(message);

/// <summary>Device selection: auto (CUDA when torch.cuda.is_available(), else CPU), cpu, or cuda (an error when absent).</summary>
internal static class Devices
{
    public static string Normalize(string? choice)
    {
        var c = (choice ?? "auto").Trim().ToLowerInvariant();
        if (c is "auto" or "cpu" or "cuda" || c.StartsWith("cuda:", StringComparison.Ordinal)) return c;
        throw new NeuralDeviceException($"unknown device '{choice}' (auto, cpu or cuda)");
    }

    /// <summary>Resolves a choice to a device. <paramref name="cudaAvailable"/> replaces the CUDA probe (tests).</summary>
    public static Device Resolve(string? choice, Func<bool>? cudaAvailable = null)
    {
        var c = Normalize(choice);
        TorchNative.EnsureLoaded();
        bool Cuda() => cudaAvailable?.Invoke() ?? torch.cuda.is_available();
        // new Device(...) rather than torch.CUDA, which initializes CUDA when read.
        if (c == "cpu") return new Device(DeviceType.CPU);
        if (c == "auto") return Cuda() ? new Device(DeviceType.CUDA) : new Device(DeviceType.CPU);
        if (!Cuda())
            throw new NeuralDeviceException(
                $"--device {c} was requested but CUDA is not available: this build uses the CPU-only libtorch (TorchSharp-cpu), " +
                "or no CUDA device/driver was found. Use --device cpu or --device auto.");
        return c == "cuda" ? new Device(DeviceType.CUDA) : new Device(c);
    }

    /// <summary>
    /// Sets libtorch's intra-op CPU threads for training and returns the number: <paramref name="threads"/> when
    /// positive; otherwise all cores, or 1 when the machine is already busy (1-minute load average at or above the
    /// core count). On a shared machine OpenMP's parallel regions wait for descheduled threads at every small op,
    /// which measured 10-30x slower for recurrent layers than a single thread.
    /// </summary>
    public static int SetTrainingThreads(int threads)
    {
        TorchNative.EnsureLoaded();
        int n = threads > 0 ? threads : Busy() ? 1 : Environment.ProcessorCount;
        if (torch.get_num_threads() != n) torch.set_num_threads(n);
        return n;
    }

    /// <summary>Inference runs batch-1 steps of small ops: one intra-op thread (COMPLETION_LSP_THREADS overrides);
    /// concurrent requests run on their own threads.</summary>
    public static void SetInferenceThreads()
    {
        TorchNative.EnsureLoaded();
        int n = int.TryParse(Environment.GetEnvironmentVariable("COMPLETION_LSP_THREADS"), out int t) && t > 0 ? t : 1;
        if (torch.get_num_threads() != n) torch.set_num_threads(n);
    }

    private static bool Busy()
    {
        try
        {
            var first = File.ReadAllText("/proc/loadavg").Split(' ')[0];
            return double.TryParse(first, System.Globalization.CultureInfo.InvariantCulture, out double load) && load >= Environment.ProcessorCount;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }
}
