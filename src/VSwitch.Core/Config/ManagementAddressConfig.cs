namespace VSwitch.Core.Config;

/// <summary>The management address on a bridge's host interface (pif-reconfigure-ip).</summary>
public sealed class ManagementAddressConfig
{
    public string Ip { get; set; } = "";
    public string Netmask { get; set; } = "";
}
