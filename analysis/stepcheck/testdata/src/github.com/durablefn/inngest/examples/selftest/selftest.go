// Package selftest stands for one of the SDK's examples.
package selftest
