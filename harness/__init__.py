"""vmx-diff harness: boot the VMX image on several platforms, parse and compare traces."""
