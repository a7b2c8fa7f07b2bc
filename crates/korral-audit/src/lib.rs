//! Security and compliance audit of Kubernetes objects.
