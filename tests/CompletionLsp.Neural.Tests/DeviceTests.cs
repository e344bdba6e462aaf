using CompletionLsp.Neural.Native;
using TorchSharp;

namespace CompletionLsp.Neural.Tests;

public class DeviceTests
{
    [Fact]
    public void CudaRequestedAndAbsentIsAClearError()
    {
        var e = Assert.Throws<NeuralDeviceException>(() => Devices.Resolve("cuda", () => false));
        Assert.Contains("CUDA is not available", e.Message);
        Assert.Contains("--device cpu", e.Message);
    }

    [Fact]
    public void CudaOnThisMachineFollowsTheProbe()
    {
        TorchNative.EnsureLoaded();
        if (torch.cuda.is_available()) Assert.Equal(DeviceType.CUDA, Devices.Resolve("cuda").type);
        else Assert.Throws<NeuralDeviceException>(() => Devices.Resolve("cuda"));
    }

    [Fact]
    public void AutoAndCpu()
    {
        Assert.Equal(DeviceType.CPU, Devices.Resolve("cpu").type);
        Assert.Equal(DeviceType.CPU, Devices.Resolve("auto", () => false).type);
        Assert.Equal(DeviceType.CUDA, Devices.Resolve("auto", () => true).type);
        Assert.Throws<NeuralDeviceException>(() => Devices.Resolve("tpu"));
    }
}
