"""What Tencent says after a send: delivery reports applied to the log, replies stored, and the
callback views Tencent pushes them to."""
