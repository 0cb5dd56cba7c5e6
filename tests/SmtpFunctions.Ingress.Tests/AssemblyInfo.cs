// The end-to-end tests start servers, Azurite and client processes; on a shared two-core machine running them one at a
// time keeps timeouts meaningful.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
