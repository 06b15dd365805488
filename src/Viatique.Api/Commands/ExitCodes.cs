namespace Viatique.Api.Commands;

/// <summary>Exit codes from sysexits.h, so orchestrators and scripts can tell failures apart.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Failure = 1;
    /// <summary>EX_USAGE: an unknown verb or option; nothing was started.</summary>
    public const int Usage = 64;
    /// <summary>EX_SOFTWARE: a background service crashed and stopped the process.</summary>
    public const int Software = 70;
    /// <summary>EX_CONFIG: the configuration breaks the rulebook.</summary>
    public const int Config = 78;
}
