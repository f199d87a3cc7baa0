// Package browsertest drives Faro in a real headless Chromium.
package browsertest
