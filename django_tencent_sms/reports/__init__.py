"""What Tencent says after a send: delivery reports, replies, and the callbacks that bring them.

``apply`` writes reports onto the send log and stores replies; ``callbacks`` are the views
Tencent pushes them to, mounted by ``urls``."""
