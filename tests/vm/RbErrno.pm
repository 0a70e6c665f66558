# The kernel's name of the errno in $! (EINVAL, ...), for the test helpers
# that print it. Perl's %! also holds aliases of the same number (ENOTSUP
# for EOPNOTSUPP, ...) in hash order; those are skipped, so that the name
# printed is always the same one.
package RbErrno;
use strict;
use warnings;
use Errno ();
use Exporter 'import';
our @EXPORT = qw(errname);

sub errname {
	my ($name) = sort grep { $!{$_} && !/^(ENOTSUP|EWOULDBLOCK|EDEADLOCK)$/ } keys %!;
	return $name // ($! + 0);
}

1;
