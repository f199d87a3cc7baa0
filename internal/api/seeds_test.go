package api

// DecodeSeeds are the decoder fuzz seeds, for the HTTP tests of package
// api_test.
var DecodeSeeds = decodeSeeds
