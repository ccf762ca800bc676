"""What comes back after a delivery: bounces (RFC 3464 delivery status
notifications and the common non-standard formats), complaints (ARF
reports, RFC 5965) and auto-replies, read from a mailbox (``mailboxes``),
classified (``classify``) and recorded in the store (``process``)."""
