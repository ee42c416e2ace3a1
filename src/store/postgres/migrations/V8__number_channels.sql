-- Version 8: a held number's channel settings, CHANNELS_LIMIT and CHANNELS_ONDEMAND of
-- DID.UPDATE (NULL: unset). Routing uses the limit as the number's concurrent-call
-- limit. Release back to stock clears both, like the rest of the holder's settings.
ALTER TABLE numbers ADD COLUMN channels_limit BIGINT CHECK (channels_limit >= 0),
                    ADD COLUMN channels_ondemand BIGINT CHECK (channels_ondemand >= 0);
