package dev.nve.control.bgp;

/**
 * Input the codec refused, carrying the RFC 4271 §4.5 NOTIFICATION error code and subcode a
 * speaker sends back, so that the session layer can answer without re-deriving the reason.
 * Checked on purpose: every decode path must handle malformed peer input.
 */
public final class BgpDecodeException extends Exception
{
    private static final long serialVersionUID = 1L;

    /** Error codes (RFC 4271 §4.5). */
    public static final int MESSAGE_HEADER_ERROR = 1;
    public static final int OPEN_MESSAGE_ERROR = 2;
    public static final int UPDATE_MESSAGE_ERROR = 3;

    /** Message header error subcodes (RFC 4271 §6.1). */
    public static final int CONNECTION_NOT_SYNCHRONIZED = 1;
    public static final int BAD_MESSAGE_LENGTH = 2;
    public static final int BAD_MESSAGE_TYPE = 3;

    /** OPEN message error subcodes (RFC 4271 §6.2); 0 is "unspecific" (RFC 4493 registry). */
    public static final int OPEN_UNSPECIFIC = 0;
    public static final int UNSUPPORTED_VERSION_NUMBER = 1;
    public static final int BAD_PEER_AS = 2;
    public static final int BAD_BGP_IDENTIFIER = 3;
    public static final int UNSUPPORTED_OPTIONAL_PARAMETER = 4;
    public static final int UNACCEPTABLE_HOLD_TIME = 6;
    /** RFC 5492 §5: the peer lacks a capability this speaker requires. */
    public static final int UNSUPPORTED_CAPABILITY = 7;

    /** UPDATE message error subcodes (RFC 4271 §6.3). */
    public static final int MALFORMED_ATTRIBUTE_LIST = 1;
    public static final int MISSING_WELL_KNOWN_ATTRIBUTE = 3;
    public static final int ATTRIBUTE_LENGTH_ERROR = 5;
    public static final int INVALID_ORIGIN_ATTRIBUTE = 6;
    public static final int OPTIONAL_ATTRIBUTE_ERROR = 9;
    public static final int INVALID_NETWORK_FIELD = 10;
    public static final int MALFORMED_AS_PATH = 11;

    private final int notificationCode;
    private final int subcode;

    public BgpDecodeException(final int notificationCode, final int subcode, final String message)
    {
        super(message);
        this.notificationCode = notificationCode;
        this.subcode = subcode;
    }

    /** The NOTIFICATION error code to answer with. */
    public int notificationCode()
    {
        return notificationCode;
    }

    /** The NOTIFICATION error subcode to answer with. */
    public int subcode()
    {
        return subcode;
    }

    @Override
    public String toString()
    {
        return "BGP error " + notificationCode + "/" + subcode + ": " + getMessage();
    }
}
