"""Episodes on disk: RLDS codecs, tf.data readers, and checks that name a damaged artifact."""
